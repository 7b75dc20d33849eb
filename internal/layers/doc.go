// Package layers holds no code: its test, TestLayers, reads the imports of
// every package of the module and checks that none runs up the layers of
// the data's road (records and syscall names, then profiles, the pipeline,
// the sources and tools, the engines, the commands), so the layering
// cannot rot. A new package gets its rank in the test's table on purpose.
package layers
