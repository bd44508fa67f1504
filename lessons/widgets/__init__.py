"""Widget groups a page composes: several widgets and the session state that ties them.

`ui` holds the app-wide single helpers; these are larger pieces a lesson page uses whole (a
player that steps through a sequence, a chooser of a review).
"""
