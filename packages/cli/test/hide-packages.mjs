// Loaded with `node --import`: makes the packages named in CHRONICLE_HIDE_PACKAGES
// (comma-separated) unresolvable, exactly as when they are not installed, so the
// tests can check what the command says when an adapter is missing.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
    const hidden = new Set((process.env.CHRONICLE_HIDE_PACKAGES ?? "").split(",").filter(Boolean));
    export async function resolve(specifier, context, next) {
      if (hidden.has(specifier)) {
        const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
        error.code = "ERR_MODULE_NOT_FOUND";
        throw error;
      }
      return next(specifier, context);
    }
  `)}`,
);
