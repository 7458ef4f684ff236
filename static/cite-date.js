// A citation of unreleased data needs the day it was read. The page cannot print it (a cached
// copy would carry another day), so it said "accessed on the date you read it", and a newsroom
// pasting the citation pasted those words. The reader's own calendar day fills it in.
document.addEventListener("DOMContentLoaded", function () {
  var now = new Date();
  function two(n) { return (n < 10 ? "0" : "") + n; }
  var day = now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate());
  document.querySelectorAll(".accessed-date").forEach(function (el) {
    el.textContent = day;
    el.classList.add("date");  // unbreakable, as every date the page prints (site.css)
  });
});
