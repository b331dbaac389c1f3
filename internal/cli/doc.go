// Package cli holds the output rules and flag conventions every rampart
// command follows, so that the command itself only declares its flags,
// calls the node and prints:
//
//   - Results go to stdout, and only results: what a script reads or pipes
//     on (an id, a table, JSON lines, a bundle, a one-time password).
//   - Diagnostics go to stderr: "rampart: error: …" says what failed and
//     names the file, object, flag or argument concerned; "rampart: hint: …"
//     says what to do about it. Progress lines and notices ("rampart:
//     created …") go there too, and so does the summary of a command whose
//     stdout carries data (export, match); where the summary is all a
//     command has to say (import), it is the result.
//   - The exit status is 0 on success, 1 on failure and 2 on a usage error:
//     a missing or unknown subcommand, argument or flag, or a malformed flag
//     value. A command that answers a question may use 1 for "no" ("pattern
//     match" prints "no match").
//   - Usage texts, examples, errors and hints spell flags with two dashes
//     (--data DIR); Go's flag package accepts one dash too. The one-letter
//     flags -o and -h keep one dash.
//   - "-h", "--help" or "help" prints the command's usage, with examples, on
//     stdout and exits 0. A bad flag or argument prints an error and a hint
//     on stderr and exits 2; a command that needs a subcommand and got none
//     prints its usage on stderr and exits 2.
//   - Secrets are printed only by the commands that exist to show them once
//     (a generated password, a new bearer token), on stdout; they never
//     appear in usage texts, errors or logs. Secrets are read from standard
//     input or files, never from flags, which other users can read in the
//     process list.
package cli
