// Package imagetar writes a container image as a docker-archive tar (the
// format of "docker save": manifest.json, config.json and one layer.tar),
// which "ctr -n k8s.io images import" and "docker load" take, so that an
// image of a few static files can be made and run where no registry and
// no image builder are reachable. It is pure: the caller gives the files'
// contents and gets the archive's bytes; the same input gives the same
// bytes (every time stamp is the epoch).
//
// Command mkimage (./mkimage) is its command line, used by "make image";
// runctest.RecorderArchive makes the recorder's image with it for the tests.
package imagetar
