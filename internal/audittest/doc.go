// Package audittest holds what the tests that touch the kernel's audit state
// share: root and the machine-wide test lock (NeedRoot), the audit status
// saved and restored (Keep, Restored, NoDaemon), auditd started and stopped
// (StartAuditd), the printk rate limit lifted (NoPrintkLimit), and workloads
// run under a filter that logs every call, in a fresh audit session whose id
// every record of theirs carries as ses= (RunLogged):
//
//	func TestX(t *testing.T) {
//		audittest.NeedRoot(t)
//		audittest.NoDaemon(t)
//		src := openSource(t)
//		ses := audittest.RunLogged(t, nil, "true")
//		// read src until the records with ses= ses came
//	}
//
// A test binary that runs workloads must serve as the sandbox helper: its
// init calls sandbox.Main when sandbox.IsHelper reports true.
package audittest
