/** Where a guest's HTTP request may go: schemes, exact hosts, glob patterns, and internal addresses. */
import { describe, expect, test } from "bun:test";
import { httpPolicy, isInternal } from "./http-policy.ts";

const refusal = (allowedHosts: string[], url: string) => httpPolicy(allowedHosts).refusal(new URL(url));

describe("httpPolicy", () => {
  test("only http: and https: URLs, whatever allowedHosts says", async () => {
    for (const url of ["file:///etc/passwd", "data:text/plain,hi", "ftp://example.com/x", "blob:http://example.com/1"]) {
      expect(await refusal(["*"], url)).toContain("only http: and https: URLs are");
    }
    expect(await refusal(["example.com"], "https://example.com/x")).toBeNull();
  });

  test("a host no entry matches is refused, naming it", async () => {
    expect(await refusal([], "http://example.com/")).toBe('the plugin\'s HTTP request to "http://example.com/" is not allowed (no allowedHosts match "example.com")');
    expect(await refusal(["*.example.com"], "http://example.com.evil.net/")).toContain('no allowedHosts match "example.com.evil.net"');
    expect(await refusal(["api.example.com"], "http://api.example.com.evil.net/")).toContain("no allowedHosts match");
  });

  test("exact names and address patterns are trusted, internal or not", async () => {
    expect(await refusal(["127.0.0.1"], "http://127.0.0.1:8080/")).toBeNull();
    expect(await refusal(["localhost"], "http://localhost/")).toBeNull();
    expect(await refusal(["127.0.0.*"], "http://127.0.0.1/")).toBeNull();
    expect(await refusal(["[::1]"], "http://[::1]:9/")).toBeNull();
  });

  test("a name pattern does not reach internal addresses, by literal or by name", async () => {
    expect(await refusal(["*"], "http://127.0.0.1/")).toContain('"127.0.0.1" is the internal address 127.0.0.1');
    expect(await refusal(["*"], "http://169.254.169.254/latest/meta-data")).toContain("internal address 169.254.169.254");
    expect(await refusal(["*"], "http://[::ffff:127.0.0.1]/")).toContain("internal address");
    expect(await refusal(["*"], "http://localhost/")).toMatch(/"localhost" resolves to the internal address (127\.0\.0\.1|::1)/);
    expect(await refusal(["*"], "http://localhost/")).toContain("list the host by its exact name to allow it");
    expect(await refusal(["*"], "http://8.8.8.8/")).toBeNull();
  });

  test("isInternal knows the internal ranges", () => {
    for (const a of ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "0.0.0.0", "169.254.169.254", "100.64.0.1", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:10.0.0.1"]) {
      expect(isInternal(a)).toBe(true);
    }
    for (const a of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "1.1.1.1", "2606:4700::1111"]) {
      expect(isInternal(a)).toBe(false);
    }
  });
});
