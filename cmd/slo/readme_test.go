package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeCommands keeps the README's "Commands" list true to the CLI:
// every command slo --help lists is in it, and every flag it shows for a
// command is one that command's --help lists.
func TestReadmeCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	start := -1
	for i, l := range lines {
		if l == "## Commands" {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal("README.md: no \"## Commands\" section")
	}
	type entry struct {
		line int
		text string
	}
	byCommand := map[string][]entry{}
	in := false
	commandRE := regexp.MustCompile(`^slo ([a-z]+)\b(.*)$`)
	for i := start + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			if in {
				break
			}
			in = true
			continue
		}
		if m := commandRE.FindStringSubmatch(l); in && m != nil {
			args, _, _ := strings.Cut(m[2], "#")
			byCommand[m[1]] = append(byCommand[m[1]], entry{i + 1, args})
		}
	}
	if len(byCommand) == 0 {
		t.Fatal("README.md: the Commands block lists no command")
	}

	help := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"slo"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("slo %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	top := help("--help")
	_, commands, ok := strings.Cut(top, "COMMANDS:")
	if !ok {
		t.Fatalf("slo --help lists no COMMANDS:\n%s", top)
	}
	commands, _, _ = strings.Cut(commands, "GLOBAL OPTIONS:")
	listed := regexp.MustCompile(`(?m)^   ([a-z]+)[ ,]`).FindAllStringSubmatch(commands, -1)
	if len(listed) == 0 {
		t.Fatalf("no command found in slo --help:\n%s", commands)
	}
	for _, m := range listed {
		if m[1] == "help" {
			continue
		}
		if byCommand[m[1]] == nil {
			t.Errorf("README.md:%d: the Commands list lacks slo %s", start+1, m[1])
		}
	}

	flagRE := regexp.MustCompile(`--[a-z][a-z-]*`)
	for cmd, entries := range byCommand {
		if cmd == "completion" {
			continue // its arguments are shells, not flags
		}
		h := help(cmd, "--help")
		for _, e := range entries {
			for _, f := range flagRE.FindAllString(e.text, -1) {
				if !regexp.MustCompile(`(?m)^\s+(-[a-z], )?` + f + `[ ,]`).MatchString(h) {
					t.Errorf("README.md:%d: slo %s %s: slo %s --help lists no %s", e.line, cmd, f, cmd, f)
				}
			}
		}
	}
}
