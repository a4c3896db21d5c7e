// Copy buttons: <button class="copy" data-copy-target="ELEMENT_ID">.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const text = document.getElementById(button.dataset.copyTarget).textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    // Clipboard API needs a secure context; fall back to selecting the text for Ctrl-C.
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(button.dataset.copyTarget));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    document.execCommand("copy");
  }
  const note = button.parentElement.querySelector(".copied");
  if (note) note.hidden = false;
});
