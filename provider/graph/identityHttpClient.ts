import { createHttpHeaders, RestError } from "@azure/core-rest-pipeline";
import type { HttpClient, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import type { Dispatcher } from "undici";

/**
 * An `@azure/identity` HttpClient on our undici dispatcher, so token requests use the same connections and the
 * same trusted CAs (entra:caFile) as Graph calls — one transport for the process. Bodies are buffered: identity
 * only sends small form posts and reads small JSON responses.
 */
export function createIdentityHttpClient(dispatcher: Dispatcher): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      const body = request.body;
      if (body !== undefined && body !== null && typeof body !== "string" && !ArrayBuffer.isView(body)) {
        throw new RestError("identityHttpClient: only string and buffer request bodies are supported.", {
          code: RestError.REQUEST_SEND_ERROR,
          request,
        });
      }
      const signals: AbortSignal[] = [];
      if (request.abortSignal) signals.push(request.abortSignal as AbortSignal);
      if (request.timeout > 0) signals.push(AbortSignal.timeout(request.timeout));
      let response: Dispatcher.ResponseData;
      try {
        response = await dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers.toJSON(),
          body: typeof body === "string" || body == null ? (body ?? undefined) : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          signal: signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals),
        });
      } catch (e) {
        // REQUEST_SEND_ERROR lets the identity pipeline's own retry policy treat it as a transport failure.
        // The message is the transport's (no headers or body), never the request's.
        throw new RestError(`identityHttpClient: ${(e as Error).message}`, {
          code: RestError.REQUEST_SEND_ERROR,
          request,
        });
      }
      const bodyAsText = await response.body.text();
      const headers = createHttpHeaders();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      return { request, status: response.statusCode, headers, bodyAsText };
    },
  };
}
