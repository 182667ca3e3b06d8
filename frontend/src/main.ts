import "./elements/chat-app.ts";
