package watch

// syslogFixture is a real rsyslog capture of seccomp records.
const syslogFixture = "../../testdata/logs/syslog-rfc3339.log"
