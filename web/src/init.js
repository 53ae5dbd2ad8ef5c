// Starts GOV.UK Frontend's components. Loaded as a module (deferred), never inline, so the
// Content-Security-Policy can forbid inline scripts. Without JavaScript every page still works.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
