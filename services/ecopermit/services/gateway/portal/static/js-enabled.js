// Tells GOV.UK Frontend's styles that its script will run (the pages work without it).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
