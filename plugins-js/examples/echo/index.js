// echo_js: the JavaScript twin of the Rust `echo` plugin (same arguments, same result), so the benchmarks
// can compare the two routes like for like.
export default {
  tools: [
    {
      name: "echo_js",
      description: "Returns the given text unchanged.",
      inputSchema: {
        type: "object",
        properties: {
          text: { type: "string", description: "Text to return" },
          repeat: { type: "integer", minimum: 1, maximum: 64, description: "Return the text this many times (default 1)" },
        },
        required: ["text"],
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      handler({ text, repeat }) {
        if (typeof text !== "string") throw new Error("text must be a string");
        if (repeat === undefined) return text;
        if (!Number.isInteger(repeat) || repeat < 1 || repeat > 64) throw new Error("repeat must be between 1 and 64");
        return text.repeat(repeat);
      },
    },
  ],
};
