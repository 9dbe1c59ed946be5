package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// subcommand is one verb of a command with verbs (token, account).
type subcommand struct {
	name, usage, summary string
}

// pickSubcommand takes the verb off args and returns it with its flag
// set and the remaining args. With no known verb it prints the command's
// usage (for --help) or a one-line refusal.
func pickSubcommand(command, summary string, subs []subcommand, args []string, stdout, stderr io.Writer) (string, *flagSetWithHelp, []string, error) {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
		if s.name == sub {
			return sub, flagSet(command+" "+s.usage, s.summary, stdout, stderr), args, nil
		}
	}
	if sub == "" && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintf(stdout, "Usage: broadsheet %s %s [flags]\n\n%s\n", command, strings.Join(names, "|"), summary)
		return "", nil, nil, flag.ErrHelp
	}
	last := len(names) - 1
	fmt.Fprintf(stderr, "broadsheet %s: want %s or %s (run 'broadsheet %s --help')\n", command, strings.Join(names[:last], ", "), names[last], command)
	return "", nil, nil, errUsage
}
