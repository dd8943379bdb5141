// A little enhancement only: every page works without it. After a refused form, the error
// summary at the top takes the focus, so a screen reader announces it first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("foutoverzicht");
  if (summary) { summary.focus(); }
});
