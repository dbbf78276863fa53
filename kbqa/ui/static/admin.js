// Run by the 管理 tab's document table (Gradio's `js_on_load`). A delete button asks to be
// pressed a second time within five seconds, then tells Python which document (`trigger`).
element.addEventListener('click', (event) => {
  const target = event.target.closest('[data-delete]');
  if (!target) return;
  if (target.dataset.armed !== '1') {
    target.dataset.armed = '1';
    target.textContent = '确认删除';
    setTimeout(() => { target.dataset.armed = ''; target.textContent = '删除'; }, 5000);
    return;
  }
  target.disabled = true;
  trigger('click', {doc: target.dataset.delete});
});
