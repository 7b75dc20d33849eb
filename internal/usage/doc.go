// Package usage formats the flags of a command's help: one line per flag
// ("-o, --output FILE"), a metavar only where the flag takes a value, the
// text wrapped to a width, as pflag's own FlagUsagesWrapped does but
// without its "[=true|false]" after every boolean flag and with a
// bounded flag column, so that a long metavar does not push every flag's
// text to the right.
//
// Error is the one error of a request the user got wrong: the libraries
// return it (wrapped) for a bad value or combination, and the command
// maps it to exit status 2.
package usage
