// Command pulumi-language-nodejs is a minimal Node.js language host for the Pulumi engine.
//
// Why it exists: Pulumi's own Node.js host lives in the nested Go module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, which has no tags and
// which the Go module proxy reachable from our machines refuses (403 for every version). The
// engine (pkg/v3) and SDK (sdk/v3) are served, so this host is built against sdk/v3 at the
// same release and speaks the same LanguageRuntime gRPC protocol.
//
// Scope: what `pulumi preview/up/refresh/destroy` need for a Node.js program that uses only
// @pulumi/pulumi and dynamic providers. The program itself is run by the SDK's own entry point
// (@pulumi/pulumi/cmd/run), exactly as the upstream host does, so program semantics (config,
// TypeScript through ts-node, error reporting) are the SDK's. Plugin discovery in node_modules,
// project templates, code generation and `pulumi install` are not implemented; the engine
// treats their Unimplemented answers as "nothing to do".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitAfterLoggedError is the exit code @pulumi/pulumi/cmd/run uses when it has already shown
// the user an actionable error; the engine is then told to bail without adding its own message.
const exitAfterLoggedError = 32

// interruptGrace is how long a program has to exit after SIGINT before it is killed; upstream
// gives node the same 5 s (cmd.WaitDelay in execNodejs).
const interruptGrace = 5 * time.Second

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string

	// cancelled is done once the engine calls Cancel or the host gets SIGINT: every running
	// program is then interrupted.
	cancelled context.Context
	cancel    context.CancelFunc

	// Where the program's output goes. node never gets these as file descriptors (forwarded).
	stdout, stderr io.Writer
	interruptGrace time.Duration
}

func newHost(engineAddress string) *host {
	cancelled, cancel := context.WithCancel(context.Background())
	return &host{
		engineAddress:  engineAddress,
		cancelled:      cancelled,
		cancel:         cancel,
		stdout:         os.Stdout,
		stderr:         os.Stderr,
		interruptGrace: interruptGrace,
	}
}

func main() {
	// The engine passes optional flags first and its own address as the last argument.
	engineAddress := ""
	if len(os.Args) > 1 {
		engineAddress = os.Args[len(os.Args)-1]
	}
	h := newHost(engineAddress)
	// Ctrl-C in a terminal reaches the whole process group, us included. As upstream does, stay
	// up instead of dying at once (Go's default): interrupt the program, let it finish within its
	// grace period, then stop serving once the Run in flight has answered the engine.
	interrupted, stopNotify := signal.NotifyContext(context.Background(), os.Interrupt)
	stopServing := make(chan bool)
	go func() {
		<-interrupted.Done()
		stopNotify()
		h.cancel()
		close(stopServing)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stopServing,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.engineAddress = addr
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// Cancel asks every running program to stop (SIGINT, then SIGKILL after the grace period);
// each Run answers once its program has exited.
func (h *host) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	h.cancel()
	return &pbempty.Empty{}, nil
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Dynamic providers are served by the bundled pulumi-nodejs plugin, so a program that uses only
// @pulumi/pulumi needs no other plugin or package.
func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not on PATH")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// Run starts the program. Each RunRequest field reaches @pulumi/pulumi/cmd/run the way the
// upstream host passes it, except where noted (pulumi/pulumi
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go at v3.248.0: execRuntime, constructArguments,
// constructConfig, constructConfigSecretKeys):
//
//	monitorAddress, organization, project, stack, info.rootDirectory, info.programDirectory
//	(as --pwd), dryRun, parallel, info.entryPoint, args  -> command line (programArgs)
//	config, configSecretKeys, runtime options             -> environment (programEnv)
//	attachDebugger                                        -> not supported here: a clear error
//	pwd, program                                          -> fallbacks for info.programDirectory
//	                                                         and info.entryPoint (the engine sets
//	                                                         both to the same values)
//	queryMode, configPropertyMap                          -> deprecated; upstream ignores them too
//	loaderTarget, mapperTarget                            -> codegen only; upstream's Run ignores them
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		// Upstream adds --inspect-brk and registers the debugger with the engine; silently
		// running without one would leave the user waiting on a debugger that never attaches.
		return &pulumirpc.RunResponse{Error: "--attach-debugger is not supported by this project's " +
			"Node.js language host (tools/pulumi/langhost)"}, nil
	}
	options, err := runtimeOptions(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runScript, err := resolveRunScript(ctx, programDirectory(req))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := programEnv(req, options)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := append(append([]string{}, options.nodeArgs...), programArgs(req, h.engineAddress, runScript)...)

	// The program is interrupted when the engine cancels (Cancel, or SIGINT to us) or abandons
	// this request (its context ends), as upstream's execNodejs does.
	runCtx, stopRun := context.WithCancel(h.cancelled)
	defer stopRun()
	defer context.AfterFunc(ctx, stopRun)()

	cmd := exec.CommandContext(runCtx, "node", args...)
	cmd.Dir = programDirectory(req)
	cmd.Env = env
	// SIGINT rather than exec's default SIGKILL: node and the SDK get to flush their output and
	// answer in-flight resource operations. Wait kills the program only after the grace period.
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = h.interruptGrace
	cmd.Stdout = forwarded(h.stdout)
	cmd.Stderr = forwarded(h.stderr)
	return runResponse(cmd.Run(), runCtx.Err() != nil), nil
}

// forwarded hides an *os.File behind a plain io.Writer, so exec gives node a pipe and a goroutine
// of ours copies from it, instead of handing node our own descriptor: node can switch a
// descriptor it shares to non-blocking mode, after which our writes to it fail with EAGAIN
// (upstream: runWithOutput; https://github.com/golang/go/issues/58408). cmd.Run returns only
// once everything node wrote has been copied.
func forwarded(w io.Writer) io.Writer {
	return struct{ io.Writer }{w}
}

// runResponse tells the engine how the program ended (upstream's messages, plus the signal when
// node did not exit by itself).
func runResponse(err error, cancelled bool) *pulumirpc.RunResponse {
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		// ErrWaitDelay: node exited successfully, but something it started still held its output
		// open after the grace period; that output is cut off, the program's result stands.
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exitErr):
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was stopped by signal %s", status.Signal())}
		}
		if exitErr.ExitCode() == exitAfterLoggedError {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}
	case cancelled:
		// node exited with status 0 after SIGINT; exec reports the cancellation itself.
		return &pulumirpc.RunResponse{Error: "Program was cancelled"}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}
	}
}

// programDirectory is where the program lives (info.programDirectory; the deprecated pwd field
// for an engine that sends no ProgramInfo). Upstream passes it as --pwd, and cmd/run chdirs there.
func programDirectory(req *pulumirpc.RunRequest) string {
	if dir := req.GetInfo().GetProgramDirectory(); dir != "" {
		return dir
	}
	return req.GetPwd()
}

// programArgs is the command line of @pulumi/pulumi/cmd/run. Like upstream's constructArguments,
// a flag with an empty value is left out (cmd/run treats a missing flag and an empty one alike).
// Not passed, unlike upstream: --sync (the directory of pipes for synchronous invokes, which
// only provider SDKs' deprecated `async: false` invokes use) and --tracing (the engine starts
// language hosts with no -tracing flag).
func programArgs(req *pulumirpc.RunRequest, engineAddress, runScript string) []string {
	args := []string{runScript}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name+"="+value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", programDirectory(req))
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	// The entry point is relative to the program directory; "." runs its package.json main.
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() // the deprecated field, for engines that send no ProgramInfo
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// resolveRunScript finds @pulumi/pulumi/cmd/run from the program directory, the same module
// resolution the program itself will use, so the engine talks to the program's own SDK copy.
func resolveRunScript(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", "-e",
		"process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run', {paths: [process.argv[1]]}))", dir)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf(
			"could not find @pulumi/pulumi from %s: run `npm install` in the program directory first", dir)
	}
	return string(out), nil
}

type options struct {
	typescript bool
	tsconfig   string
	nodeArgs   []string
}

// runtimeOptions reads the `runtime.options` of Pulumi.yaml that matter to running a program,
// with upstream's defaults (typescript: true) and its errors for values of the wrong type
// (upstream: parseOptions). nodeargs is split like a shell would, as upstream does.
func runtimeOptions(info *pulumirpc.ProgramInfo) (options, error) {
	opts := options{typescript: true}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["typescript"]; ok {
		b, isBool := v.GetKind().(*structpb.Value_BoolValue)
		if !isBool {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b.BoolValue
	}
	if v, ok := fields["tsconfig"]; ok {
		s, isString := v.GetKind().(*structpb.Value_StringValue)
		if !isString {
			return opts, errors.New("tsconfigpath option must be a string")
		}
		opts.tsconfig = s.StringValue
	}
	if v, ok := fields["nodeargs"]; ok {
		s, isString := v.GetKind().(*structpb.Value_StringValue)
		if !isString {
			return opts, errors.New("nodeargs option must be a string")
		}
		nodeArgs, err := shlex.Split(s.StringValue)
		if err != nil {
			return opts, fmt.Errorf("nodeargs option: %w", err)
		}
		opts.nodeArgs = nodeArgs
	}
	return opts, nil
}

// programEnv passes config the way @pulumi/pulumi's runtime reads it: as JSON in environment
// variables, so secrets never appear on a command line. An empty config must be `{}` and empty
// secret keys `[]`: the engine's empty map and list arrive as nil, Go marshals nil as `null`, and
// the SDK's parseConfig throws on `null` as soon as the program reads any config.
func programEnv(req *pulumirpc.RunRequest, opts options) ([]string, error) {
	// Upstream writes keys as "<namespace>:config:<name>", the form old SDKs expect; current SDKs
	// accept both and strip ":config:" (@pulumi/pulumi runtime/config.ts cleanKey).
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding secret keys: %w", err)
	}
	// Appended last, so these win over the same names inherited from our own environment.
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(cfgJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(keysJSON),
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env, nil
}
