import { chronicleVitestConfig } from "@chronicle/vitest-config";

export default chronicleVitestConfig({ name: "core" });
