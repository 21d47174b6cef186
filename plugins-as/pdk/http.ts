// Outbound HTTP through the host (Extism `http_request`). The host allows only the manifest's
// `allowedHosts`: a request elsewhere fails the whole call with a message naming the host.
import { free, http_headers, http_request, http_status_code } from "./env";
import { JsonValue } from "./json";
import { parseJsonBytes } from "./parse";
import { blockFromBytes, takeBlock } from "./memory";

export class HttpResponse {
  constructor(public status: i32, public body: ArrayBuffer) {}

  text(): string {
    return String.UTF8.decode(this.body);
  }

  /** The body as JSON, or null if it is not valid JSON. */
  json(): JsonValue | null {
    return parseJsonBytes(this.body);
  }

  /** A response header (lower-case name), or null. Asks the host for the last response's headers. */
  header(name: string): string | null {
    const bytes = takeBlock(http_headers());
    if (bytes === null) return null;
    const all = parseJsonBytes(bytes);
    if (all === null) return null;
    const value = all.get(name.toLowerCase());
    if (value === null || !value.isString) return null;
    return value.str;
  }
}

export class HttpRequest {
  method: string = "GET";
  private headerNames: string[] = [];
  private headerValues: string[] = [];
  body: ArrayBuffer | null = null;

  constructor(public url: string) {}

  header(name: string, value: string): HttpRequest {
    this.headerNames.push(name);
    this.headerValues.push(value);
    return this;
  }

  withMethod(method: string): HttpRequest {
    this.method = method;
    return this;
  }

  withBody(body: string): HttpRequest {
    this.body = String.UTF8.encode(body);
    return this;
  }

  /** Sends the request and waits for the answer (the host suspends this plugin meanwhile). */
  send(): HttpResponse {
    const headers = JsonValue.object();
    for (let i = 0; i < this.headerNames.length; i++) headers.setString(this.headerNames[i], this.headerValues[i]);
    const req = JsonValue.object().setString("url", this.url).setString("method", this.method).set("headers", headers);
    const reqBlock = blockFromBytes(req.toJsonBytes());
    const body = this.body;
    const bodyBlock: u64 = body === null ? 0 : blockFromBytes(body);
    const responseBlock = http_request(reqBlock, bodyBlock);
    free(reqBlock);
    if (bodyBlock != 0) free(bodyBlock);
    const bytes = takeBlock(responseBlock);
    return new HttpResponse(http_status_code(), bytes === null ? new ArrayBuffer(0) : bytes);
  }
}

/** GET `url`. */
export function httpGet(url: string): HttpResponse {
  return new HttpRequest(url).send();
}
