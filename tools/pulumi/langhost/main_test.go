package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// lookup returns the last value of name in env, the one exec.Cmd uses.
func lookup(t *testing.T, env []string, name string) string {
	t.Helper()
	value, found := "", false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value, found = v, true
		}
	}
	if !found {
		t.Fatalf("%s is not set", name)
	}
	return value
}

// A stack with no config: the engine's empty map and list arrive as nil. The SDK's parseConfig
// throws on `null`, so they must be `{}` and `[]`, as upstream passes them.
func TestProgramEnvEmptyConfig(t *testing.T) {
	t.Setenv("PULUMI_CONFIG", "inherited")
	env, err := programEnv(&pulumirpc.RunRequest{}, options{typescript: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, env, "PULUMI_CONFIG"); got != "{}" {
		t.Errorf("PULUMI_CONFIG = %q, want {}", got)
	}
	if got := lookup(t, env, "PULUMI_CONFIG_SECRET_KEYS"); got != "[]" {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q, want []", got)
	}
	if got := lookup(t, env, "PULUMI_NODEJS_TYPESCRIPT"); got != "true" {
		t.Errorf("PULUMI_NODEJS_TYPESCRIPT = %q, want true", got)
	}
}

func TestProgramEnvConfig(t *testing.T) {
	env, err := programEnv(&pulumirpc.RunRequest{
		Config:           map[string]string{"entra:tenantId": "t", "proj:name": "n"},
		ConfigSecretKeys: []string{"entra:clientSecret"},
	}, options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lookup(t, env, "PULUMI_CONFIG"), `{"entra:config:tenantId":"t","proj:config:name":"n"}`; got != want {
		t.Errorf("PULUMI_CONFIG = %s, want %s", got, want)
	}
	if got := lookup(t, env, "PULUMI_CONFIG_SECRET_KEYS"); got != `["entra:clientSecret"]` {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %s", got)
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "PULUMI_NODEJS_TYPESCRIPT=") && !strings.HasPrefix(kv, "PULUMI_NODEJS_TYPESCRIPT=true") {
			t.Errorf("typescript: false must leave PULUMI_NODEJS_TYPESCRIPT unset, found %s", kv)
		}
	}
}

func TestProgramArgs(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Project:        "p",
		Stack:          "s",
		Pwd:            "/old",
		Program:        "old.js",
		DryRun:         true,
		Parallel:       8,
		Args:           []string{"extra"},
		Info: &pulumirpc.ProgramInfo{
			RootDirectory:    "/root",
			ProgramDirectory: "/root/prog",
			EntryPoint:       "index.ts",
		},
	}
	got := programArgs(req, "127.0.0.1:2", "run.js")
	want := []string{
		"run.js", "--monitor=127.0.0.1:1", "--engine=127.0.0.1:2", "--project=p",
		"--root-directory=/root", "--stack=s", "--pwd=/root/prog", "--dry-run", "--parallel=8",
		"index.ts", "extra",
	}
	if !slices.Equal(got, want) {
		t.Errorf("programArgs =\n  %q\nwant\n  %q", got, want)
	}

	// An engine that sends no ProgramInfo: the deprecated pwd and program fields are used.
	got = programArgs(&pulumirpc.RunRequest{MonitorAddress: "m", Pwd: "/old", Program: "main.js"}, "", "run.js")
	want = []string{"run.js", "--monitor=m", "--pwd=/old", "--parallel=0", "main.js"}
	if !slices.Equal(got, want) {
		t.Errorf("programArgs without info = %q, want %q", got, want)
	}
}

func TestRuntimeOptions(t *testing.T) {
	info := func(fields map[string]any) *pulumirpc.ProgramInfo {
		s, err := structpb.NewStruct(fields)
		if err != nil {
			t.Fatal(err)
		}
		return &pulumirpc.ProgramInfo{Options: s}
	}
	opts, err := runtimeOptions(nil)
	if err != nil || !opts.typescript {
		t.Errorf("no options: %+v, %v; want typescript by default", opts, err)
	}
	opts, err = runtimeOptions(info(map[string]any{
		"typescript": false, "tsconfig": "tsconfig.pulumi.json", "nodeargs": `--max-old-space-size=4096 --require "./a b.js"`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if opts.typescript || opts.tsconfig != "tsconfig.pulumi.json" ||
		!slices.Equal(opts.nodeArgs, []string{"--max-old-space-size=4096", "--require", "./a b.js"}) {
		t.Errorf("options = %+v", opts)
	}
	if _, err := runtimeOptions(info(map[string]any{"typescript": "false"})); err == nil {
		t.Error(`typescript: "false" (a string) must be an error, as upstream`)
	}
}

// fakeProgram is a program directory whose @pulumi/pulumi/cmd/run is a stand-in script, so Run
// is exercised with the real node and module resolution but no engine. The stand-in behaves as
// LANGHOST_TEST_MODE says and reports through the returned marker file.
func fakeProgram(t *testing.T, mode string) (dir, marker string) {
	t.Helper()
	dir = t.TempDir()
	marker = filepath.Join(dir, "marker")
	sdk := filepath.Join(dir, "node_modules", "@pulumi", "pulumi")
	if err := os.MkdirAll(filepath.Join(sdk, "cmd"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(sdk, "package.json"), `{"name": "@pulumi/pulumi", "version": "0.0.0"}`)
	write(filepath.Join(sdk, "cmd", "run.js"), `
const fs = require("fs");
const marker = process.env.LANGHOST_TEST_MARKER;
const mode = process.env.LANGHOST_TEST_MODE;
if (mode.startsWith("exit:")) process.exit(Number(mode.slice(5)));
if (mode === "output") {
  process.stdout.write("stdout is a pipe: " + fs.fstatSync(1).isFIFO() + "\n");
  process.stderr.write("to stderr\n");
  process.stdout.write("preloaded: " + globalThis.preloaded + "\n");
}
if (mode === "sigint") {
  process.on("SIGINT", () => setTimeout(() => {
    fs.appendFileSync(marker, "cleaned up after SIGINT\n");
    process.exit(0);
  }, 300));
  fs.writeFileSync(marker, "ready\n");
  setInterval(() => {}, 1000);
}
if (mode === "ignore-sigint") {
  process.on("SIGINT", () => fs.appendFileSync(marker, "ignored SIGINT\n"));
  fs.writeFileSync(marker, "ready\n");
  setInterval(() => {}, 1000);
}
`)
	// A --require path with a space: it must reach node as one argument.
	write(filepath.Join(dir, "pre load.js"), `globalThis.preloaded = "yes";`)
	t.Setenv("LANGHOST_TEST_MODE", mode)
	t.Setenv("LANGHOST_TEST_MARKER", marker)
	return dir, marker
}

func runRequest(t *testing.T, dir string) *pulumirpc.RunRequest {
	t.Helper()
	options, err := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": `--require "./pre load.js"`})
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Info:           &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".", Options: options},
	}
}

// testHost is a host whose program output is captured and whose grace period is short.
func testHost(t *testing.T) (*host, *syncBuffer) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	out := &syncBuffer{}
	h := newHost("127.0.0.1:2")
	h.stdout, h.stderr = out, out
	h.interruptGrace = 500 * time.Millisecond
	return h, out
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The program's exit status becomes the engine's answer, with upstream's messages: 32 means the
// SDK already showed the error, so the engine bails without one of its own.
func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want *pulumirpc.RunResponse
	}{
		{"exit:0", &pulumirpc.RunResponse{}},
		{"exit:3", &pulumirpc.RunResponse{Error: "Program exited with non-zero exit code: 3"}},
		{"exit:32", &pulumirpc.RunResponse{Bail: true}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			h, _ := testHost(t)
			dir, _ := fakeProgram(t, tc.mode)
			got, err := h.Run(context.Background(), runRequest(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			if got.GetError() != tc.want.GetError() || got.GetBail() != tc.want.GetBail() {
				t.Errorf("Run = %v, want %v", got, tc.want)
			}
		})
	}
}

// Output reaches the host's writers through a pipe of ours, never as our own descriptor (node can
// make a shared descriptor non-blocking), and quoted nodeargs reach node whole.
func TestRunForwardsOutputThroughHost(t *testing.T) {
	h, _ := testHost(t)
	dir, _ := fakeProgram(t, "output")
	file, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	h.stdout, h.stderr = file, file // an *os.File, which exec would otherwise hand to node as is
	got, err := h.Run(context.Background(), runRequest(t, dir))
	if err != nil || got.GetError() != "" {
		t.Fatalf("Run = %v, %v", got, err)
	}
	text, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stdout is a pipe: true\n", "to stderr\n", "preloaded: yes\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("output %q lacks %q", text, want)
		}
	}
}

// waitForFile polls until path contains want: the stand-in program's way of saying it is ready.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if text, _ := os.ReadFile(path); strings.Contains(string(text), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never contained %q", path, want)
}

// A cancel (the engine's Cancel call, or the engine dropping the Run request) sends node SIGINT
// and Run answers only after the program has finished its cleanup.
func TestCancelInterruptsProgramAndWaits(t *testing.T) {
	triggers := map[string]func(h *host, dropRequest context.CancelFunc){
		"Cancel":       func(h *host, _ context.CancelFunc) { _, _ = h.Cancel(context.Background(), nil) },
		"request ends": func(_ *host, dropRequest context.CancelFunc) { dropRequest() },
	}
	for name, trigger := range triggers {
		t.Run(name, func(t *testing.T) {
			h, _ := testHost(t)
			h.interruptGrace = 10 * time.Second // the cleanup (300 ms) must not be cut short
			dir, marker := fakeProgram(t, "sigint")
			ctx, dropRequest := context.WithCancel(context.Background())
			defer dropRequest()
			answered := make(chan *pulumirpc.RunResponse, 1)
			go func() {
				resp, err := h.Run(ctx, runRequest(t, dir))
				if err != nil {
					t.Error(err)
				}
				answered <- resp
			}()
			waitForFile(t, marker, "ready")
			trigger(h, dropRequest)
			select {
			case resp := <-answered:
				text, _ := os.ReadFile(marker)
				if !strings.Contains(string(text), "cleaned up after SIGINT") {
					t.Errorf("Run answered before the program's SIGINT cleanup ran; marker: %q", text)
				}
				if resp.GetError() != "Program was cancelled" {
					t.Errorf("Run = %v, want the cancellation reported", resp)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not answer after cancel")
			}
		})
	}
}

// A program that ignores SIGINT is killed once the grace period is over.
func TestCancelKillsProgramAfterGracePeriod(t *testing.T) {
	h, _ := testHost(t)
	dir, marker := fakeProgram(t, "ignore-sigint")
	answered := make(chan *pulumirpc.RunResponse, 1)
	go func() {
		resp, _ := h.Run(context.Background(), runRequest(t, dir))
		answered <- resp
	}()
	waitForFile(t, marker, "ready")
	cancelledAt := time.Now()
	_, _ = h.Cancel(context.Background(), nil)
	select {
	case resp := <-answered:
		if waited := time.Since(cancelledAt); waited < h.interruptGrace {
			t.Errorf("Run answered %v after cancel, before the %v grace period", waited, h.interruptGrace)
		}
		waitForFile(t, marker, "ignored SIGINT")
		if resp.GetError() != "Program was stopped by signal killed" {
			t.Errorf("Run = %v, want the kill reported", resp)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not answer: the program was never killed")
	}
}
