/**
 * A real OIDC issuer for tests: Bun.serve on 127.0.0.1:0 serving discovery metadata and a JWKS, with
 * rotating keys and a fetch counter, and a `sign` helper. Used by the unit and end-to-end tests.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: "ES256" | "RS256" | "EdDSA", kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

export class TestIssuer implements AsyncDisposable {
  /** Keys published in the JWKS (rotate by replacing). */
  published: TestKey[];
  jwksFetches = 0;
  discoveryFetches = 0;

  private constructor(
    private readonly server: ReturnType<typeof Bun.serve>,
    first: TestKey,
  ) {
    this.published = [first];
  }

  static async start(alg: "ES256" | "RS256" | "EdDSA" = "ES256"): Promise<TestIssuer> {
    const key = await makeKey(alg, "k1");
    let self: TestIssuer | undefined;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/.well-known/openid-configuration") {
          self!.discoveryFetches++;
          return Response.json({ issuer: self!.issuer, jwks_uri: `${self!.issuer}/jwks`, authorization_endpoint: `${self!.issuer}/authorize` });
        }
        if (path === "/jwks") {
          self!.jwksFetches++;
          return Response.json({ keys: self!.published.map((k) => k.publicJwk) });
        }
        return new Response("not found", { status: 404 });
      },
    });
    self = new TestIssuer(server, key);
    return self;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  /** A token signed with `key` (default: the first published key). exp defaults to now + 1 h. */
  sign(claims: JWTPayload & { aud?: string | string[] }, opts: { key?: TestKey; iss?: string; expSeconds?: number } = {}): Promise<string> {
    const key = opts.key ?? this.published[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(opts.iss ?? this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + (opts.expSeconds ?? 3600))
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await this.server.stop(true);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
