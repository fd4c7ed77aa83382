// dealbot admin: the phone menu and confirmations. Pages work without it.
document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-toggle]");
  if (t) document.getElementById(t.dataset.toggle)?.classList.toggle("open");
});
document.addEventListener("submit", (e) => {
  const msg = e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});
