// The task list's type-ahead filters: the agency, and the plan where the user sees too many
// plans for a dropdown (an administrator: every plan of the country). Each is a text input
// (data-lookup: the URL that answers ?q= with {"results": [{"id", "label"}]}; data-target: the
// hidden field the form submits) whose datalist is filled as the user types. Without
// JavaScript the hidden field keeps the filter as it was, and its chip above the list removes it.
(function () {
  document.querySelectorAll("input[data-lookup]").forEach(function (input) {
    var hidden = document.getElementById(input.dataset.target);
    var list = input.list;
    if (!hidden || !list) return;
    var byLabel = {};
    var timer = null;
    var asked = 0;
    input.addEventListener("input", function () {
      var chosen = byLabel[input.value];
      hidden.value = chosen ? chosen : "";
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        fetch(input.dataset.lookup + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            if (mine !== asked) return; // a later keystroke's answer is the one to show
            list.innerHTML = "";
            byLabel = {};
            data.results.forEach(function (result) {
              var option = document.createElement("option");
              option.value = result.label;
              byLabel[result.label] = result.id;
              list.appendChild(option);
            });
            if (byLabel[input.value]) hidden.value = byLabel[input.value];
          });
      }, 200);
    });
  });
})();
