// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-toggle]");
  if (el) { document.getElementById(el.getAttribute("data-toggle")).classList.toggle("open"); }
  var confirmEl = event.target.closest && event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) { event.preventDefault(); }
});

// The new-organisation form: school attributes only show when a school is being created.
function syncSchoolFields() {
  var form = document.getElementById("org-form");
  var level = document.getElementById("id_new_level");
  if (!form || !level) { return; }
  var isSchool = level.value === "school";
  form.getAttribute("data-school-only").split(" ").forEach(function (name) {
    var input = document.getElementById("id_" + name);
    if (input) { input.closest(".field").hidden = !isSchool; }
  });
}
document.addEventListener("DOMContentLoaded", syncSchoolFields);
document.addEventListener("change", function (event) {
  if (event.target.id === "id_new_level") { syncSchoolFields(); }
});
