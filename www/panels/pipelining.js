// Pipelining in the cluster form (issue 14 §2): the `pipeline` bound (empty: no bound) and the
// `envelopes` switch. The form shows the running cluster's settings.

import { $, page, numberIn } from "../page.js";

/** The form's pipelining options, only those set: `{ pipeline?, envelopes? }`. */
export function pipeliningOf(form) {
  const options = {};
  if (form.pipeline.value.trim() !== "") options.pipeline = numberIn(form.pipeline, "pipeline");
  if (form.envelopes.checked) options.envelopes = true;
  return options;
}

export function wirePipelining() {
  page.onAdopt.push(() => {
    const form = $("rebuild");
    form.pipeline.value = page.config.pipeline ?? "";
    form.envelopes.checked = page.config.envelopes === true;
  });
}
