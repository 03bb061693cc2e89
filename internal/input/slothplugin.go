package input

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	slothplugin "github.com/slok/sloth/pkg/prometheus/plugin/v1"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// SlothPlugins are Sloth SLI plugins by ID, loaded as Sloth loads them
// (its internal/pluginengine/sli and internal/storage/fs/plugin.go): every
// file whose name ends in plugin.go under a folder, skipping folders whose
// name starts with "..", is Go source that the yaegi interpreter
// evaluates with the standard library only; its package declares
// SLIPluginVersion ("prometheus/v1"), SLIPluginID and
// SLIPlugin(ctx, meta, labels, options map[string]string) (string, error),
// whose result is the SLI's raw error ratio query. A file that is no SLI
// plugin (one of Sloth's SLO plugins) is skipped, as Sloth tries it as
// another kind.
type SlothPlugins struct {
	byID map[string]SlothPlugin
}

// SlothPlugin is one loaded SLI plugin.
type SlothPlugin struct {
	ID, File string
	fn       slothplugin.SLIPlugin
	// mu serializes calls: spec files are read on all cores, and an
	// interpreter is not documented as safe for concurrent use.
	mu *sync.Mutex
}

// evalTimeout bounds the evaluation of one plugin's source.
const evalTimeout = 10 * time.Second

var pluginFile = regexp.MustCompile(`plugin.go$`)

// LoadSlothPlugins loads the SLI plugins under dir. Two plugins with one ID
// are an error, as in Sloth.
func LoadSlothPlugins(dir string) (*SlothPlugins, error) {
	p := &SlothPlugins{byID: map[string]SlothPlugin{}}
	fsys := os.DirFS(dir)
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), "..") {
				return fs.SkipDir
			}
			return nil
		}
		if !pluginFile.MatchString(path) {
			return nil
		}
		src, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		file := filepath.Join(dir, filepath.FromSlash(path))
		pl, err := loadSlothPlugin(string(src))
		if errors.Is(err, errNotSLIPlugin) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("Sloth SLI plugin %s: %w", file, err)
		}
		if prev, ok := p.byID[pl.ID]; ok {
			return fmt.Errorf("Sloth SLI plugin %q is in %s and %s", pl.ID, prev.File, file)
		}
		pl.File = file
		p.byID[pl.ID] = *pl
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// IDs are the loaded plugins' IDs, sorted.
func (p *SlothPlugins) IDs() []string {
	if p == nil {
		return nil
	}
	var ids []string
	for id := range p.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

var errNotSLIPlugin = errors.New("not a Sloth SLI plugin")

// loadSlothPlugin evaluates one plugin's source in an interpreter of its
// own (as Sloth does, so that plugins' names do not collide).
func loadSlothPlugin(src string) (*SlothPlugin, error) {
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), evalTimeout)
	defer cancel()
	if _, err := i.EvalWithContext(ctx, src); err != nil {
		return nil, fmt.Errorf("evaluating its source: %w", err)
	}
	// The source evaluated, so it parses; its package clause names the
	// package whose symbols Sloth reads.
	file, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil {
		return nil, fmt.Errorf("reading its package clause: %w", err)
	}
	pkg := file.Name.Name
	ver, err := i.EvalWithContext(ctx, pkg+".SLIPluginVersion")
	if err != nil {
		return nil, errNotSLIPlugin // an SLO plugin has SLOPluginVersion
	}
	if v, ok := ver.Interface().(string); !ok || v != slothplugin.Version {
		return nil, fmt.Errorf("SLIPluginVersion %v; Sloth v0.16's SLI plugins are %q", ver.Interface(), slothplugin.Version)
	}
	id, err := i.EvalWithContext(ctx, pkg+".SLIPluginID")
	if err != nil {
		return nil, fmt.Errorf("no SLIPluginID: %w", err)
	}
	ids, ok := id.Interface().(string)
	if !ok {
		return nil, errors.New("SLIPluginID is not a string")
	}
	fn, err := i.EvalWithContext(ctx, pkg+".SLIPlugin")
	if err != nil {
		return nil, fmt.Errorf("no SLIPlugin: %w", err)
	}
	f, ok := fn.Interface().(func(context.Context, map[string]string, map[string]string, map[string]string) (string, error))
	if !ok {
		return nil, errors.New("SLIPlugin is not a func(ctx context.Context, meta, labels, options map[string]string) (string, error)")
	}
	return &SlothPlugin{ID: ids, fn: f, mu: &sync.Mutex{}}, nil
}

// run calls the plugin as Sloth does, with the SLO's service, name and
// objective (%f, as Sloth formats it) as meta, the spec's labels and the
// plugin's options.
//
// A call that does not return within callTimeout is an error: the
// interpreted call cannot be stopped, so its goroutine is left behind
// (slo then stops with that error), but slo does not hang on a plugin
// that loops.
func (pl SlothPlugin) run(service, slo string, objective float64, labels, options map[string]string) (string, error) {
	meta := map[string]string{
		slothplugin.SLIPluginMetaService:   service,
		slothplugin.SLIPluginMetaSLO:       slo,
		slothplugin.SLIPluginMetaObjective: fmt.Sprintf("%f", objective),
	}
	type result struct {
		query string
		err   error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("the plugin panicked: %v", p)
			}
			done <- r
		}()
		pl.mu.Lock()
		defer pl.mu.Unlock()
		r.query, r.err = pl.fn(ctx, meta, labels, options)
	}()
	select {
	case r := <-done:
		return r.query, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("the plugin did not return within %s", callTimeout)
	}
}

// callTimeout bounds one call of a plugin's SLIPlugin function.
var callTimeout = 10 * time.Second

var (
	pluginsMu sync.RWMutex
	plugins   *SlothPlugins
)

// UseSlothPlugins makes Translate run Sloth SLI plugins from p (nil: none,
// and a plugin SLI is an error that says what to do). slo sets it once,
// from --sloth-plugins, before it reads any spec.
func UseSlothPlugins(p *SlothPlugins) {
	pluginsMu.Lock()
	plugins = p
	pluginsMu.Unlock()
}

func slothPluginsInUse() *SlothPlugins {
	pluginsMu.RLock()
	defer pluginsMu.RUnlock()
	return plugins
}
