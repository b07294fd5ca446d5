// Subscribes to one GraphQL operation with a real npm client and prints
// each result as a JSON line; exits after `count` results or on an error.
// Usage: node subscribe.mjs <protocol: graphql-ws|legacy> <ws url> <token> <count> <query>
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import pkg from "subscriptions-transport-ws";

const { SubscriptionClient } = pkg;
const [protocol, url, token, count, query] = process.argv.slice(2);
let seen = 0;
const print = (result) => {
  console.log(JSON.stringify(result));
  if (++seen >= Number(count)) process.exit(0);
};
const fail = (err) => {
  console.error("error:", err && (err.message || err.reason || JSON.stringify(err)));
  process.exit(1);
};
setTimeout(() => fail("no results within 20 s"), 20000);

if (protocol === "graphql-ws") {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    on: { connected: () => console.log(JSON.stringify({ connected: true })) },
  });
  client.subscribe({ query }, { next: print, error: fail, complete: () => {} });
} else {
  const client = new SubscriptionClient(url, { connectionParams: { Authorization: `Bearer ${token}` } }, WebSocket);
  client.onConnected(() => console.log(JSON.stringify({ connected: true })));
  client.request({ query }).subscribe({ next: print, error: fail });
}
