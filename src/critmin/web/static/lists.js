// /lists: the ticked lists become the `lists` parameter of /lists/compare.
"use strict";
const form = document.getElementById("compare-form");
if (form) {
  form.addEventListener("submit", () => {
    const picked = [...form.querySelectorAll("input[name=pick]:checked")].map((box) => box.value);
    document.getElementById("lists-field").value = picked.join(",");
    for (const box of form.querySelectorAll("input[name=pick]")) box.disabled = true;
  });
}
