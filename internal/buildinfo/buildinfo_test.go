package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, tt := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{}, "(devel)"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "(devel) 0123456789ab-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"}}}, "v0.9.0"},
	} {
		if got := version(&tt.bi); got != tt.want {
			t.Errorf("version(%+v) = %q, want %q", tt.bi.Main, got, tt.want)
		}
	}
	if s := String(); !strings.Contains(s, "(syscall table: Linux v") {
		t.Errorf("String() = %q, want the syscall table's Linux version", s)
	}
}
