/* The comment widget's proof of work: ALTCHA's SHA-256 challenge, {algorithm, challenge,
   maxnumber, salt, signature}, is solved by the number n (0 to maxnumber) for which the SHA-256
   of salt followed by n is challenge. embed.js fetches this text and starts it as a Web Worker
   from a blob (a page may not start a worker from another origin's address), so that typing never
   stalls; it answers each challenge posted to it with the number, or null. Where the page's policy
   allows no worker, embed.js loads it as a plain script instead: then it offers the same search to
   the page, which gives the page back every few milliseconds. */
(function (scope) {
  "use strict";

  var BATCH = 50; // digests asked for at once: the browser computes them side by side
  var SLICE_MS = 10; // on the page: the longest it holds on before letting the page answer a key

  function bytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function same(buffer, expected) {
    var got = new Uint8Array(buffer);
    for (var i = 0; i < expected.length; i++) if (got[i] !== expected[i]) return false;
    return true;
  }

  function pause() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  /* The number that solves `challenge`, or null if none up to maxnumber does. `sliced`: on the
     page's own thread, let it breathe between slices. */
  async function solve(challenge, sliced) {
    var encoder = new TextEncoder();
    var expected = bytes(challenge.challenge);
    var max = challenge.maxnumber;
    var sliceStart = Date.now();
    for (var start = 0; start <= max; start += BATCH) {
      var batch = [];
      for (var n = start; n < start + BATCH && n <= max; n++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      var digests = await Promise.all(batch);
      for (var i = 0; i < digests.length; i++) if (same(digests[i], expected)) return start + i;
      if (sliced && Date.now() - sliceStart > SLICE_MS) {
        await pause();
        sliceStart = Date.now();
      }
    }
    return null;
  }

  if (typeof WorkerGlobalScope !== "undefined" && scope instanceof WorkerGlobalScope) {
    scope.onmessage = function (event) {
      solve(event.data, false).then(function (number) { scope.postMessage(number); },
        function () { scope.postMessage(null); });
    };
  } else {
    scope.moderationProofOfWork = solve;
  }
})(self);
