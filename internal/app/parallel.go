package app

import (
	"runtime"
	"sync"
)

// eachIndex calls f(i) for every i in [0, n) on all cores and returns when
// every call has. Callers write the result of f(i) to index i of a slice,
// so results keep their input order whatever the scheduling.
func eachIndex(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= n {
					return
				}
				f(j)
			}
		})
	}
	wg.Wait()
}
