/** The real storage adapters, as the composition root (src/core.ts) injects them into the pipeline. */
import { openKeyStore } from "../../src/adapters/api-key-store.ts";
import { openAuditSink } from "../../src/adapters/audit-sink.ts";
import { openPinStore } from "../../src/adapters/pin-store.ts";
import { openRateLimitStore } from "../../src/adapters/redis/rate-limit-store.ts";
import type { PipelineStores } from "../../src/pipeline/build.ts";

export const STORES: PipelineStores = { openKeyStore, openPinStore, openAuditSink, openRateLimitStore };
