import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredential,
} from "@azure/identity";
import type { Dispatcher } from "undici";
import { abortReason, systemClock, type Clock } from "./clock";
import { describeTlsFailure, GraphError, tlsFailureOf, type TlsFailure } from "./errors";
import { createIdentityHttpClient } from "./identityHttpClient";
import { redact } from "./redact";
import type { GraphSettings } from "./settings";

/** Supplies bearer tokens for Graph. */
export interface AccessTokenProvider {
  /** A valid access token; concurrent callers share one in-flight request. Throws GraphError GRAPH_AUTH. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drops the cached token (after a 401), so the next call fetches a fresh one. */
  invalidate(): void;
}

export type CredentialKind = "ClientSecretCredential" | "ClientCertificateCredential" | "DefaultAzureCredential";

/**
 * What the transport saw under one credential's token requests. @azure/identity (MSAL) turns a failed connection
 * into a generic error (`endpoints_resolution_error`, …) that loses Node's code, so a certificate failure is
 * recorded here, below the library, and reported instead of the credential error.
 */
interface TokenTransportWatch {
  caFile?: string;
  failure?: { origin: string; tls: TlsFailure };
}

const tokenTransport = new WeakMap<TokenCredential, TokenTransportWatch>();

/** `dispatcher`, recording certificate failures of its `request()` calls (the only method identity uses). */
function watchTransport(dispatcher: Dispatcher, watch: TokenTransportWatch): Dispatcher {
  return new Proxy(dispatcher, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop !== "request") return typeof value === "function" ? value.bind(target) : value;
      return (opts: Dispatcher.RequestOptions) =>
        target.request(opts).catch((e: unknown) => {
          const tls = tlsFailureOf(e);
          if (tls) watch.failure = { origin: new URL(String(opts.origin)).origin, tls };
          throw e;
        });
    },
  });
}

/**
 * Picks the credential from settings: a client secret, else a certificate, else DefaultAzureCredential
 * (environment, workload identity / federated token file, managed identity, Azure CLI, …).
 * Token requests go through `dispatcher`, so they trust entra:caFile like Graph calls do.
 */
export function createCredential(
  settings: GraphSettings,
  dispatcher: Dispatcher,
): { credential: TokenCredential; kind: CredentialKind } {
  const watch: TokenTransportWatch = { caFile: settings.caFile };
  const options = {
    authorityHost: settings.authorityHost,
    // MSAL would otherwise ask login.microsoftonline.com to validate an unknown authority (emulator, private cloud).
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
    httpClient: createIdentityHttpClient(watchTransport(dispatcher, watch)),
  };
  const watched = <C extends TokenCredential>(credential: C): C => {
    tokenTransport.set(credential, watch);
    return credential;
  };
  const { tenantId, clientId, clientSecret, clientCertificatePath } = settings;
  if (clientSecret !== undefined && tenantId !== undefined && clientId !== undefined) {
    return { credential: watched(new ClientSecretCredential(tenantId, clientId, clientSecret, options)), kind: "ClientSecretCredential" };
  }
  if (clientCertificatePath !== undefined && tenantId !== undefined && clientId !== undefined) {
    return {
      credential: watched(new ClientCertificateCredential(tenantId, clientId, { certificatePath: clientCertificatePath }, options)),
      kind: "ClientCertificateCredential",
    };
  }
  return {
    credential: watched(
      new DefaultAzureCredential({
        ...options,
        tenantId,
        managedIdentityClientId: clientId,
        workloadIdentityClientId: clientId,
      }),
    ),
    kind: "DefaultAzureCredential",
  };
}

export interface CachedTokenProviderOptions {
  scope: string;
  /** For messages only: which credential, tenant and client (never the secret). */
  describe: { kind: CredentialKind; tenantId?: string; clientId?: string; authorityHost: string };
  /** Refresh this long before expiry. Defaults to 5 minutes. */
  refreshMarginMs?: number;
  clock?: Clock;
}

/**
 * Caches one token per provider, refreshes it before expiry and de-duplicates concurrent requests.
 *
 * Why not `@azure/core-rest-pipeline`'s bearerTokenAuthenticationPolicy (1.24): its token cycler is not exported
 * (`createTokenCycler` sits behind the package's `exports` map), so the cache comes only inside a PipelinePolicy
 * that sends through the core pipeline (we send with undici) and refuses non-https URLs. The policy builds the cycler
 * without options, and the cycler differs from what callers here rely on: it reads `Date.now()` (no injectable
 * clock), refreshes 2 min before expiry (here 5 min, or half the lifetime of a short token), never drops a token
 * after a plain 401 (only on a CAE claims challenge; `invalidate()` here), and passes the first caller's abort signal
 * into the shared refresh, so one cancelled caller fails the others. Identity errors are mapped below either way.
 */
export class CachedTokenProvider implements AccessTokenProvider {
  private cached?: { token: string; expiresAt: number; refreshAt: number };
  private inFlight?: Promise<string>;
  private readonly clock: Clock;
  private readonly refreshMarginMs: number;

  constructor(
    private readonly credential: TokenCredential,
    private readonly options: CachedTokenProviderOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    const now = this.clock.now();
    if (this.cached && now < this.cached.refreshAt) return this.cached.token;
    // The shared request does not take any one caller's signal: one caller cancelling must not fail the others.
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    try {
      return await raceAbort(this.inFlight, signal);
    } catch (e) {
      // A failed early refresh must not fail requests while the old token is still good for a while.
      if (this.cached && this.clock.now() < this.cached.expiresAt - 30_000) return this.cached.token;
      throw e;
    }
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const watch = tokenTransport.get(this.credential);
    if (watch) watch.failure = undefined;
    let result;
    try {
      result = await this.credential.getToken(this.options.scope);
    } catch (e) {
      throw this.tlsError(e, watch) ?? this.authError(e);
    }
    if (!result) throw this.authError(new Error("the credential returned no token"));
    const now = this.clock.now();
    const expiresAt = result.expiresOnTimestamp;
    // Identity may suggest an earlier refresh (refreshAfterTimestamp); take whichever comes first, but never
    // schedule the refresh in the past for a short-lived token (use half its lifetime then).
    const margin = Math.min(this.refreshMarginMs, Math.max(0, (expiresAt - now) / 2));
    const refreshAt = Math.min(expiresAt - margin, result.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY);
    this.cached = { token: result.token, expiresAt, refreshAt };
    return result.token;
  }

  /**
   * A certificate failure on the way to the token endpoint is not a credential problem: say which endpoint's
   * certificate failed and how to trust it (GRAPH_NETWORK, like the same failure on a Graph call).
   */
  private tlsError(cause: unknown, watch: TokenTransportWatch | undefined): GraphError | undefined {
    const d = this.options.describe;
    const direct = tlsFailureOf(cause);
    const seen = watch?.failure ?? (direct ? { origin: d.authorityHost, tls: direct } : undefined);
    if (!seen) return undefined;
    const { summary, hint } = describeTlsFailure(seen.tls, seen.origin, "the token endpoint", watch?.caFile);
    return new GraphError({ code: "GRAPH_NETWORK", summary: `Could not get a Microsoft Graph access token with ${d.kind}: ${summary}`, hint });
  }

  private authError(cause: unknown): GraphError {
    const d = this.options.describe;
    const detail = redact(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)).slice(0, 1500);
    const who = [`tenant ${d.tenantId ?? "(not set)"}`, `client ${d.clientId ?? "(not set)"}`].join(", ");
    const hint =
      d.kind === "DefaultAzureCredential"
        ? "Set entra:tenantId, entra:clientId and entra:clientSecret (or AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), use workload or managed identity, or run `az login`."
        : d.kind === "ClientSecretCredential"
          ? "Check entra:tenantId, entra:clientId and the client secret (entra:clientSecret or AZURE_CLIENT_SECRET), and that the secret has not expired."
          : "Check entra:tenantId, entra:clientId and entra:clientCertificatePath (a PEM with the private key), and that the certificate is registered on the app.";
    // The cause is not attached: identity errors can carry request details we do not control.
    return new GraphError({
      code: "GRAPH_AUTH",
      summary: `Could not get a Microsoft Graph access token with ${d.kind} (${who}, authority ${d.authorityHost}, scope ${this.options.scope}): ${detail}.`,
      hint,
    });
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
