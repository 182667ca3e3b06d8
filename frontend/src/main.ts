import "./admin/console-page.ts";
import { applyStoredTheme } from "./controllers/theme-controller.ts";
import "./admin/admin-console.ts";
import "./elements/chat-app.ts";

// Runs before the first render (Lit renders in a microtask), so a chosen dark theme does not flash light.
applyStoredTheme();
