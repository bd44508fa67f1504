import streamlit as st

st.title("glove_explorer")
st.write("Being built.")
