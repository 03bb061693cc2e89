package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts are urfave/cli v2.27.7's autocomplete/
// bash_autocomplete and zsh_autocomplete (MIT licence) with the program
// name filled in, and bash's working without the bash-completion package: they ask slo itself for the words to complete, by
// running the command line so far with --generate-bash-completion
// (App.EnableBashCompletion). Where slo offers no word (a PATH), the shell
// completes file names.
const bashCompletion = `# slo completion for bash. Load it with
#   source <(slo completion bash)
# or save it as /etc/bash_completion.d/slo.

# Without the bash-completion package, the words are split by bash alone.
_slo_init_completion() {
  COMPREPLY=()
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    _get_comp_words_by_ref "$@" cur prev words cword
  else
    cur="${COMP_WORDS[COMP_CWORD]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
}

_slo_bash_autocomplete() {
  if [[ "${COMP_WORDS[0]}" != "source" ]]; then
    local cur opts base words
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    if declare -F _init_completion >/dev/null 2>&1; then
      _init_completion -n "=:" || return
    else
      _slo_init_completion -n "=:" || return
    fi
    words=("${words[@]:0:$cword}")
    if [[ "$cur" == "-"* ]]; then
      requestComp="${words[*]} ${cur} --generate-bash-completion"
    else
      requestComp="${words[*]} --generate-bash-completion"
    fi
    opts=$(eval "${requestComp}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- ${cur}))
    return 0
  fi
}

complete -o bashdefault -o default -o nospace -F _slo_bash_autocomplete slo
`

const zshCompletion = `#compdef slo
# slo completion for zsh. Load it with
#   source <(slo completion zsh)
# or save it as _slo in a folder of your $fpath.

_slo_zsh_autocomplete() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi

  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

compdef _slo_zsh_autocomplete slo
`

func completionCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash: source <(slo completion bash)   zsh: source <(slo completion zsh)   " +
			"fish: slo completion fish > ~/.config/fish/completions/slo.fish",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				fmt.Fprintln(stderr, "slo completion: name the shell: bash, zsh or fish")
				return exitCode(exitFailure)
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				_, err := io.WriteString(stdout, bashCompletion)
				return err
			case "zsh":
				_, err := io.WriteString(stdout, zshCompletion)
				return err
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = io.WriteString(stdout, s)
				return err
			default:
				fmt.Fprintf(stderr, "slo completion: unknown shell %q; expected bash, zsh or fish\n", shell)
				return exitCode(exitFailure)
			}
		},
	}
}
