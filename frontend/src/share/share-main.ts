import { applyStoredTheme } from "../controllers/theme-controller.ts";
import "./shared-chat-page.ts";

applyStoredTheme();
