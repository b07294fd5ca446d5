// A small in-app call client, as a web app would write it: it joins call
// callID as the holder of token through Convene's GraphQL API, with the
// camera and microphone (Chromium's fake ones in tests), and keeps the
// peer connection in window.conveneCall for callStatus().
async function joinCall(base, token, callID) {
  const gql = async (query, variables) => {
    const res = await fetch(base + "/query", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
      body: JSON.stringify({ query, variables }),
    });
    const answer = await res.json();
    if (answer.errors) throw new Error(answer.errors[0].message);
    return answer.data;
  };
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const pc = new RTCPeerConnection();
  media.getTracks().forEach((track) => pc.addTrack(track, media));
  window.conveneCall = pc;

  // The server's signals wait until its answer is in place, then go in order.
  let answered;
  let queue = new Promise((resolve) => (answered = resolve));
  const handle = async (signal) => {
    if (signal.candidate) await pc.addIceCandidate(JSON.parse(signal.candidate));
    if (signal.offer) {
      await pc.setRemoteDescription({ type: "offer", sdp: signal.offer });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await gql("mutation($c:ID!, $a:String!){ answerCallMedia(call:$c, answer:$a) }", { c: callID, a: answer.sdp });
    }
  };
  const socket = new WebSocket(base.replace(/^http/, "ws") + "/query", "graphql-transport-ws");
  await new Promise((listening, failed) => {
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: "Bearer " + token } }));
    socket.onerror = () => failed(new Error("the socket failed"));
    socket.onmessage = (event) => {
      const m = JSON.parse(event.data);
      if (m.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "signal", type: "subscribe", payload: {
          query: "subscription($c:ID!){ callSignal(call:$c){ candidate offer } }", variables: { c: callID } } }));
      } else if (m.type === "next") {
        const signal = m.payload.data.callSignal;
        if (!signal.candidate && !signal.offer) listening(); // the first: the subscription listens
        else queue = queue.then(() => handle(signal));
      } else if (m.type === "error") {
        failed(new Error(JSON.stringify(m.payload)));
      }
    };
  });

  const mine = [];
  let joined = false;
  const sendCandidate = (c) =>
    gql("mutation($c:ID!, $x:String!){ sendIceCandidate(call:$c, candidate:$x) }", { c: callID, x: c });
  pc.onicecandidate = (event) => {
    if (!event.candidate) return;
    const c = JSON.stringify(event.candidate.toJSON());
    if (joined) sendCandidate(c);
    else mine.push(c);
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const data = await gql("mutation($c:ID!, $o:String!){ joinCallMedia(call:$c, offer:$o) }", { c: callID, o: offer.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: data.joinCallMedia });
  answered();
  joined = true;
  await Promise.all(mine.map(sendCandidate));
}

// callStatus is the call's connection state and the bytes received.
async function callStatus() {
  const pc = window.conveneCall;
  let inboundBytes = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp") inboundBytes += r.bytesReceived || 0;
  });
  return { state: pc.connectionState, inboundBytes };
}
