import streamlit as st

st.title("glossary")
st.write("Being built.")
