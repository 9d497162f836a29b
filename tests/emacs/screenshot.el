;;; screenshot.el --- hover in Emacs -nw, for docs/emacs-hover.png  -*- lexical-binding: t -*-

;; Loaded by screenshot.sh in `emacs -nw' under tmux: opens shop.py of
;; $PROV_REPO with eglot configured as docs/editors.md says, puts point in
;; `total', lets eldoc show the hover and opens eldoc's buffer below, then
;; touches $PROV_DONE so the pane can be captured.

(require 'eglot)
(setq eglot-server-programs
      `((python-mode . (,(getenv "PROVENANCE_LS") "lsp")))
      inhibit-startup-screen t
      eldoc-echo-area-use-multiline-p nil
      native-comp-async-report-warnings-errors nil
      warning-minimum-level :error)
(find-file (expand-file-name "shop.py" (getenv "PROV_REPO")))
(apply #'eglot (eglot--guess-contact))
(goto-char (point-min))
(forward-line 5)
(move-to-column 12)

(defun prov-shot-try (tries)
  "Show the hover once the server has history for it."
  (eldoc)
  (run-with-timer
   1.5 nil
   (lambda ()
     (let* ((buffer (get-buffer "*eldoc*"))
            (text (if buffer (with-current-buffer buffer (buffer-string)) "")))
       (if (and (> tries 0)
                (or (string-empty-p text) (string-match-p "indexing\\|still reading" text)))
           (prov-shot-try (1- tries))
         ;; Emacs 28's `eldoc-doc-buffer' shows the buffer itself.
         (eldoc-doc-buffer)
         (redisplay t)
         (with-temp-file (getenv "PROV_DONE")))))))

(run-with-timer 1 nil #'prov-shot-try 10)
