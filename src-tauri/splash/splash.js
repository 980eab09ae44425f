// The shell opens this page only when the console could not start; it sets the reason first.
const reason = window.__SCIM_CONSOLE_ERROR__;
if (reason) {
  document.getElementById('status').textContent = 'SCIM Console could not start.';
  const error = document.getElementById('error');
  error.textContent = reason;
  error.hidden = false;
}
