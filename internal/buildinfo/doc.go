// Package buildinfo says which recorder made something: the module version
// the binary was built from (runtime/debug.ReadBuildInfo) and the Linux
// version of the syscall table it names calls with. `recorder version`
// prints it, and every profile's provenance carries it.
package buildinfo
