//go:build !race

package main

// raceEnabled makes TestMain build connctl with the race detector too, so
// that the build reuses the packages compiled for the test binary.
const raceEnabled = false
