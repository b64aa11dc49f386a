// The task list's agency filter: a searchable list filled from /agencies/lookup/ as the user
// types, instead of a dropdown of every agency in the country.
(function () {
  var input = document.getElementById("agency-picker");
  var hidden = document.getElementById("id_agency");
  var list = document.getElementById("agency-options");
  if (!input || !hidden || !list) return;
  var byLabel = {};
  var timer = null;
  input.addEventListener("input", function () {
    var chosen = byLabel[input.value];
    hidden.value = chosen ? chosen : "";
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(input.dataset.lookup + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          list.innerHTML = "";
          byLabel = {};
          data.results.forEach(function (agency) {
            var option = document.createElement("option");
            option.value = agency.name + " – " + agency.province;
            byLabel[option.value] = agency.id;
            list.appendChild(option);
          });
          if (byLabel[input.value]) hidden.value = byLabel[input.value];
        });
    }, 200);
  });
})();
