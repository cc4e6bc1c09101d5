package main

import (
	"slices"
	"strings"
	"testing"

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
