package profilegen_test

import (
	"fmt"
	"os"

	"github.com/recorder-dev/recorder/audit"
	"github.com/recorder-dev/recorder/profilegen"
)

// Two records of the Kubernetes seccomp tutorial's http-echo
// (../testdata/logs/tutorial.log), logged by a SCMP_ACT_LOG profile, and a
// call a stricter profile denied. The caller names each record's group
// (package pipeline does it by executable, comm, pid, container, ...).
func ExampleBuild() {
	s := profilegen.NewSet()
	for _, r := range []audit.Record{
		{Exe: []byte("/http-echo"), Comm: []byte("http-echo"), PID: 29064, Arch: 0xc000003e, Syscall: 288, Action: audit.ActionLog},
		{Exe: []byte("/http-echo"), Comm: []byte("http-echo"), PID: 29064, Arch: 0xc000003e, Syscall: 17, Action: audit.ActionLog},
		{Exe: []byte("/http-echo"), Comm: []byte("http-echo"), PID: 29064, Arch: 0xc000003e, Syscall: 101, Action: audit.ActionErrno},
	} {
		s.Add([]byte("http-echo"), &r)
	}
	base, _ := profilegen.LookupBase("minimal")
	for _, group := range s.Groups() {
		p, rep, err := profilegen.Build(s, group, profilegen.Options{Base: base, Companions: true})
		if err != nil {
			fmt.Println(err)
			return
		}
		out, _ := profilegen.Marshal(p)
		fmt.Printf("%s.json: %d records\n", profilegen.FileName(group), rep.Records)
		for _, v := range rep.Violations {
			fmt.Printf("denied: %s (%s) %d times, first by pid %d %s\n", v.Name, v.Action.OCI(), v.Count, v.PID, v.Comm)
		}
		os.Stdout.Write(out)
	}
	// Output:
	// http-echo.json: 3 records
	// denied: ptrace (SCMP_ACT_ERRNO) 1 times, first by pid 29064 http-echo
	// {
	//   "defaultAction": "SCMP_ACT_ERRNO",
	//   "architectures": [
	//     "SCMP_ARCH_X86_64",
	//     "SCMP_ARCH_X86",
	//     "SCMP_ARCH_X32"
	//   ],
	//   "syscalls": [
	//     {
	//       "names": [
	//         "accept4",
	//         "execve",
	//         "exit",
	//         "exit_group",
	//         "pread64"
	//       ],
	//       "action": "SCMP_ACT_ALLOW"
	//     }
	//   ]
	// }
}

func ExampleFileName() {
	for _, group := range []string{"nginx", "python3.12", "../../etc/passwd", "nginx: worker", ".bashrc"} {
		fmt.Println(profilegen.FileName(group) + ".json")
	}
	// Output:
	// nginx.json
	// python3.12.json
	// _._.._etc_passwd@3754d6cb3a38e118.json
	// nginx__worker@63f01d27bf67dd78.json
	// _bashrc@b7cf3e96e1f74fc1.json
}
