// Formats console arguments that are not strings, roughly as Node does.
(function triggerxInspect() {
  "use strict";
  function show(value, depth) {
    if (typeof value === "string") return depth ? JSON.stringify(value) : value;
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "function")
      return `[Function ${value.name || "anonymous"}]`;
    if (value === null || typeof value !== "object") return String(value);
    if (value instanceof Error)
      return value.stack ? `${value}\n${value.stack}` : String(value);
    if (depth > 2) return Array.isArray(value) ? "[Array]" : "[Object]";
    if (Array.isArray(value))
      return `[ ${value.map((v) => show(v, depth + 1)).join(", ")} ]`;
    const parts = Object.keys(value).map(
      (k) => `${k}: ${show(value[k], depth + 1)}`,
    );
    return parts.length ? `{ ${parts.join(", ")} }` : "{}";
  }

  return { format: (args) => args.map((a) => show(a, 0)).join(" ") };
});
