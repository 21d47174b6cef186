// mcp-sidecar's AssemblyScript PDK: write hyper-mcp tools for the gateway (plugins-as/README.md).
export { pluginAbort, pluginTrace } from "./abort";
export { configGet, log, LogLevel, varGet, varGetString, varRemove, varSet, varSetString } from "./host-env";
export { HttpRequest, HttpResponse, httpGet } from "./http";
export { JsonKind, JsonValue, quote } from "./json";
export { lastJsonError, parseJson, parseJsonBytes } from "./parse";
export { Context, createElicitation, createMessage, listRoots, notifyLog, notifyProgress, notifyResourceUpdated, notifyToolListChanged } from "./mcp";
export { outputBytes, outputString, outputWriter, readInput, setError } from "./memory";
export { ByteWriter } from "./writer";
export { Call, callTool, Handler, listTools, Tool, ToolResult } from "./tool";
