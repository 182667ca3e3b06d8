// The negative control of the log scan: a "service" that answers /readyz like a real one and
// prints the secret it was given, as a careless logger would. Started by ServiceProcess in
// test/security/log-hygiene.test.ts, whose stop() (and kill()) must then throw.

const secret = process.env.LEAKY_SERVICE_API_KEY ?? "";
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  fetch: () => new Response("ok"),
});
console.log(
  JSON.stringify({ level: "debug", msg: "calling the provider", headers: { "x-api-key": secret } }),
);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
