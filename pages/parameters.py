import streamlit as st

st.title("parameters")
st.write("Being built.")
