// Signs the statement on the signing page with NCALayer, NCA RK's signing application, which
// listens on wss://127.0.0.1:13579 on the person's computer: a detached CMS (not encapsulated)
// over the statement's bytes, put into the form's signature field, and the form is sent.
// The key never leaves the person's computer; the server verifies what comes back.
(function () {
  "use strict";
  var button = document.getElementById("ncalayer");
  if (!button) { return; }
  button.hidden = false;  // without a script the page offers the .cms upload alone
  var status = document.getElementById("ncalayer-status");
  button.addEventListener("click", function () {
    var socket;
    try {
      socket = new WebSocket("wss://127.0.0.1:13579/");
    } catch (error) {
      status.textContent = "NCALayer: " + error;
      return;
    }
    socket.onerror = function () {
      status.textContent = "NCALayer is not running; start it, or upload a .cms file.";
    };
    socket.onopen = function () {
      socket.send(JSON.stringify({
        module: "kz.gov.pki.knca.basics",
        method: "sign",
        args: {
          allowedStorages: ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore"],
          format: "cms",
          data: document.getElementById("statement").value,
          signingParams: { decode: true, encapsulate: false, digested: false },
          signerParams: { extKeyUsageOids: [], chain: [] },
          locale: document.documentElement.lang || "ru"
        }
      }));
    };
    socket.onmessage = function (event) {
      var answer = JSON.parse(event.data);
      if (answer.result && answer.result.version) { return; } // the greeting
      var body = answer.body || {};
      var signed = (body.result && body.result[0]) || answer.responseObject;
      if (!answer.status && !signed) {
        status.textContent = "NCALayer: " + (answer.message || answer.code || "refused");
        socket.close();
        return;
      }
      document.getElementById("signature").value = signed;
      socket.close();
      document.getElementById("sign-form").submit();
    };
  });
})();
