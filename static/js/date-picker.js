// Dates are typed dd/mm/yyyy (the server also reads 5/1/2024, 20-12-2024 and 20.12.2024): a text
// field, so the page shows and sends the Vietnamese form whatever the browser's locale. Beside
// it, a "Chọn ngày" button opens the browser's own calendar (on a phone, its date wheel) and
// writes the chosen day back as dd/mm/yyyy. Without JavaScript the field is typed as before.
(function () {
  function pad(n) { return (n.length === 1 ? "0" : "") + n; }
  function toIso(text) {
    var m = /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})$/.exec(text.trim());
    return m ? m[3] + "-" + pad(m[2]) + "-" + pad(m[1]) : "";
  }
  document.querySelectorAll("input[data-date-picker]").forEach(function (input) {
    var picker = document.createElement("input");
    picker.type = "date";
    if (picker.type !== "date") return;  // a browser without a calendar: typing only
    picker.className = "date-picker";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    picker.setAttribute("aria-label", "Lịch");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary date-picker-button";
    button.textContent = "Chọn ngày";
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      picker.value = toIso(input.value);
      if (typeof picker.showPicker === "function") {
        try { picker.showPicker(); return; } catch (error) { /* below: show the field itself */ }
      }
      picker.classList.add("shown");
      picker.removeAttribute("aria-hidden");
      picker.tabIndex = 0;
      picker.focus();
    });
    picker.addEventListener("change", function () {
      var parts = picker.value.split("-");
      if (parts.length !== 3) return;
      input.value = parts[2] + "/" + parts[1] + "/" + parts[0];
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    var holder = document.createElement("span");
    holder.className = "date-picker-holder";
    holder.appendChild(button);
    holder.appendChild(picker);
    input.insertAdjacentElement("afterend", holder);
  });
})();
