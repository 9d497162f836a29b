;;; lsp-mode.el --- provenance-ls in a real Emacs with lsp-mode, no shim  -*- lexical-binding: t -*-

;; Run by tests/emacs/run.sh as `emacs --batch -l lsp-mode.el' in the same
;; repository as eglot.el, with the client registered as docs/editors.md
;; says. lsp-mode warned "Unknown notification: provenance/regionsChanged"
;; on every open and paste; this checks it no longer has cause to, and that
;; its hover buffer shows the history. Prints one line per test, then
;; "N passed, M failed".

(require 'cl-lib)
(require 'lsp-mode)

(defvar prov-repo (getenv "PROV_REPO"))
(defvar prov-passed 0)
(defvar prov-failed 0)

(defun prov-wait (what pred &optional seconds)
  (let ((deadline (+ (float-time) (or seconds 20))) (found nil))
    (while (and (not (setq found (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or found (error "Timed out waiting for %s" what))))

(defmacro prov-test (name &rest body)
  (declare (indent 1))
  `(condition-case err
       (progn ,@body (cl-incf prov-passed) (message "ok - lsp-mode: %s" ,name))
     (error (cl-incf prov-failed)
            (message "FAILED - lsp-mode: %s: %s" ,name (error-message-string err)))))

(defun prov-check (ok format &rest args)
  (unless ok (error "%s" (apply #'format format args))))

(setq lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
      lsp-auto-guess-root t
      lsp-enable-file-watchers nil
      lsp-headerline-breadcrumb-enable nil
      lsp-modeline-code-actions-enable nil
      lsp-modeline-diagnostics-enable nil
      lsp-enable-suggest-server-download nil
      lsp-modeline-workspace-status-enable nil
      lsp-enable-snippet nil
      lsp-restart 'ignore)

;; The registration docs/editors.md gives for lsp-mode.
(with-eval-after-load 'lsp-mode
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection (list (getenv "PROVENANCE_LS") "lsp"))
    :activation-fn (lambda (&rest _) (locate-dominating-file default-directory ".git"))
    :add-on? t
    :server-id 'provenance-ls
    :initialization-options '(:hints (:style "codeLens")))))

(find-file (expand-file-name "shop.py" prov-repo))
(switch-to-buffer (current-buffer))
(lsp)
(prov-wait "lsp-mode to start provenance-ls"
           (lambda () (cl-some (lambda (w) (eq (lsp--workspace-status w) 'initialized))
                               (lsp-workspaces))))

(defun prov-warnings ()
  (if-let ((b (get-buffer "*Warnings*"))) (with-current-buffer b (buffer-string)) ""))

(prov-test "its hover buffer shows the churn history of a committed function"
  (goto-char (point-min))
  (forward-line 5)
  (move-to-column 8)
  (let ((text (prov-wait
               "a hover with history"
               (lambda ()
                 (lsp-describe-thing-at-point)
                 (let ((b (get-buffer "*lsp-help*")))
                   (and b (with-current-buffer b
                            (and (string-match-p "Count unknown items as free" (buffer-string))
                                 (buffer-string)))))))))
    (prov-check (string-match-p "Bo Other" text) "no author: %s" text)))

(prov-test "no unknown-notification warning on open and paste"
  (goto-char (point-max))
  (insert "def refund(basket):\n    paid = total(basket)\n    return -paid\n\n")
  ;; Let the change go out and everything the server says about it come in.
  (let ((until (+ (float-time) 1.5)))
    (while (< (float-time) until) (accept-process-output nil 0.1)))
  (prov-check (not (string-match-p "Unknown notification" (prov-warnings)))
              "lsp-mode warned: %s" (prov-warnings)))

(message "%d passed, %d failed" prov-passed prov-failed)
(set-buffer-modified-p nil)
(kill-emacs (if (zerop prov-failed) 0 1))
